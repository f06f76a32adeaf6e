// A button marked data-print opens the browser's print dialog (the print stylesheet lays the page out on A4).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
