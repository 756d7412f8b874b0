// The console's one script, an enhancement only: a copy button beside a new token's secret.
// Every page works without it.
document.querySelectorAll("input[data-copy]").forEach(function (field) {
  if (!navigator.clipboard) {
    return;
  }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "copy";
  button.textContent = "Copy";
  button.setAttribute("aria-label", "Copy the token to the clipboard");
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      button.textContent = "Copied";
    });
  });
  field.insertAdjacentElement("afterend", button);
});
