// Progressive enhancement only: every page works without this file.
document.addEventListener('DOMContentLoaded', () => {
  // Move focus to the error summary after a failed submit, so screen readers announce it.
  const summary = document.getElementById('foutoverzicht');
  if (summary) summary.focus();
  // Ask for confirmation on destructive actions (the server still checks everything).
  document.querySelectorAll('form[data-confirm]').forEach((form) => {
    form.addEventListener('submit', (e) => {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  });
});
