package dev.portcullis.gateway.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --config FILE}: a command's options from a Java properties file, one {@code name = value}
 * per option, named as on the command line without the leading dashes ({@code port = 8443}, {@code
 * db-password = …}). A flag given on the command line overrides the file. A name that is not an
 * option of the command is an error, so a misspelt setting is never silently ignored.
 */
final class ConfigFile implements CommandLine.IDefaultValueProvider {
  static final String OPTION = "--config";

  private final Properties values;

  private ConfigFile(Properties values) {
    this.values = values;
  }

  /**
   * Reads {@code file} for {@code command}.
   *
   * @throws IllegalArgumentException with a one-line message when it cannot be read or names an
   *     unknown option
   */
  static ConfigFile load(Path file, CommandSpec command) {
    Properties values = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      values.load(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + " is not a properties file: " + e.getMessage(), e);
    }
    Set<String> known = new TreeSet<>();
    for (OptionSpec o : command.options()) {
      if (!o.usageHelp() && !o.versionHelp() && !o.longestName().equals(OPTION)) {
        known.add(key(o));
      }
    }
    for (String name : values.stringPropertyNames()) {
      if (!known.contains(name)) {
        throw new IllegalArgumentException(
            file
                + ": '"
                + name
                + "' is not an option of '"
                + command.qualifiedName()
                + "' (one of: "
                + String.join(", ", known)
                + ")");
      }
    }
    return new ConfigFile(values);
  }

  private static String key(OptionSpec o) {
    return o.longestName().replaceFirst("^-+", "");
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec o) {
      String v = values.getProperty(key(o));
      if (v != null) {
        return v.strip();
      }
    }
    return null;
  }

  /**
   * The file named by {@code --config FILE} or {@code --config=FILE} in a subcommand's arguments,
   * or null.
   */
  static Path named(String[] args) {
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals(OPTION) && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith(OPTION + "=")) {
        return Path.of(args[i].substring(OPTION.length() + 1));
      }
    }
    return null;
  }
}
