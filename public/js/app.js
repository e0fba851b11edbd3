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

// === Benchmark questionnaire (src/modules/benchmark/question-fields.tsx) ===
// Progressive enhancement only; the server checks and stores everything without it.
document.addEventListener('DOMContentLoaded', () => {
  // Questions that apply only after a given answer on the same page: hidden while they do not
  // apply (the server ignores and removes answers to such questions).
  const conditional = [...document.querySelectorAll('[data-show-if-field]')];
  const chosen = (form, field) =>
    [...form.querySelectorAll(`[name="${CSS.escape(field)}"]`)]
      .filter((el) => el.checked && !el.closest('.bm-question[hidden]'))
      .map((el) => el.value);
  const update = () => {
    // In document order, so a question depending on a hidden question is hidden too.
    for (const q of conditional) {
      const form = q.closest('form');
      if (!form) continue;
      const wanted = (q.getAttribute('data-show-if-values') || '').split(' ');
      q.hidden = !chosen(form, q.getAttribute('data-show-if-field')).some((v) => wanted.includes(v));
    }
  };
  // Exclusive options of a multiple choice ("geen van deze", "weet ik niet"): choosing one clears the others.
  document.addEventListener('change', (e) => {
    const el = e.target;
    if (!(el instanceof HTMLInputElement) || el.type !== 'checkbox' || !el.checked || !el.form) return;
    const group = [...el.form.querySelectorAll(`input[type="checkbox"][name="${CSS.escape(el.name)}"]`)];
    if (el.hasAttribute('data-exclusive')) group.forEach((o) => o !== el && (o.checked = false));
    else group.forEach((o) => o.hasAttribute('data-exclusive') && (o.checked = false));
  });
  // Typing an "anders, namelijk" text chooses that option.
  document.addEventListener('input', (e) => {
    const el = e.target;
    if (!(el instanceof HTMLInputElement) || !el.hasAttribute('data-other-for') || !el.value.trim()) return;
    const option = document.getElementById(el.getAttribute('data-other-for'));
    if (option && !option.checked) {
      option.checked = true;
      option.dispatchEvent(new Event('change', { bubbles: true }));
    }
  });
  if (conditional.length) {
    document.addEventListener('change', update);
    update();
  }
  // The printed copy: a print button (without JavaScript the browser's own print works).
  document.querySelectorAll('button[data-print]').forEach((b) => {
    b.hidden = false;
    b.addEventListener('click', () => window.print());
  });
});
// === end benchmark questionnaire ===
