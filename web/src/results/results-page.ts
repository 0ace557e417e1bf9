import '../style.css';
import info from 'virtual:report-info';
import { appRoot, h } from '../dom.js';

const root = appRoot();
root.append(h('h1', {}, 'Results'));

if (info.available) {
  const when = info.builtAt ? new Date(info.builtAt).toLocaleString() : 'unknown';
  root.append(
    h(
      'p',
      { class: 'lead', 'data-testid': 'report-status' },
      `The latest reproduction report (built ${when}). `,
      h(
        'a',
        { href: './report/index.html', 'data-testid': 'report-link' },
        'Open it in its own tab',
      ),
      '.',
    ),
    h('iframe', { class: 'report', src: './report/index.html', title: 'Reproduction report' }),
  );
} else {
  root.append(
    h(
      'p',
      { class: 'lead', 'data-testid': 'report-status' },
      'No reproduction report has been built yet. Run the reproduction harness (it writes ',
      h('code', {}, 'report/'),
      ' at the repository root), then ',
      h('code', {}, 'npm run web:build'),
      ' again: the build copies the report into the app and links it here.',
    ),
  );
}
