// Batch review: the header's checkbox selects or clears every record of the list (the list is swapped in place).
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  for (const box of all.closest("form").querySelectorAll('input[name="record"]')) box.checked = all.checked;
});
