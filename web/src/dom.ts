/** A tiny element builder: h('div', { class: 'card' }, 'text', child). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(key, value === true ? '' : String(value));
  }
  el.append(...children);
  return el;
}

/** The page's main element. */
export function appRoot(): HTMLElement {
  const el = document.getElementById('app');
  if (!el) throw new Error('the page has no #app element');
  return el;
}
