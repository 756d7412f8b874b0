package dev.portcullis.policy.model;

import java.util.Locale;

/**
 * Mapping between enum constants and their lowercase API names ({@code ORG_CONFIGURES} ↔ {@code
 * org_configures}).
 */
final class ApiEnums {
  private ApiEnums() {}

  static String apiName(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  static <E extends Enum<E>> E fromApiName(Class<E> type, String name) {
    if (name == null) {
      return null;
    }
    for (E e : type.getEnumConstants()) {
      if (apiName(e).equals(name)) {
        return e;
      }
    }
    return null;
  }
}
