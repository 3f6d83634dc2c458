// Shows the "Print" button (hidden without JavaScript) and prints the page when it is pressed.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
