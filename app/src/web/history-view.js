// The history table: pages of past predictions (Older/Newer by cursor) with a correction per row.
import { describeError, listPredictions, sendFeedback } from './api.js';
import { drawModelInput, formatPercent } from './result-view.js';

export const PAGE_SIZE = 10;

/**
 * @param {HTMLElement} root  the history section
 * @param {{ onError: (message: string) => void, onCorrected: (prediction: object) => void }} hooks
 */
export function createHistoryView(root, hooks) {
  const tbody = root.querySelector('tbody');
  const empty = root.querySelector('#history-empty');
  const newer = root.querySelector('#newer');
  const older = root.querySelector('#older');
  const pageInfo = root.querySelector('#page-info');
  // cursors[i] opens page i; page 0 (newest) has none. Going Newer pops back.
  let cursors = [null];
  let nextCursor = null;

  const renderCorrection = (prediction) => {
    const select = document.createElement('select');
    const time = new Date(prediction.createdAt).toLocaleTimeString();
    select.setAttribute('aria-label', `Correct digit for the prediction of ${prediction.digit} at ${time}`);
    select.append(new Option('—', ''));
    for (let d = 0; d < 10; d += 1) select.append(new Option(String(d), String(d)));
    select.value = prediction.feedbackLabel === null ? '' : String(prediction.feedbackLabel);
    select.addEventListener('change', async () => {
      if (select.value === '') return;
      select.disabled = true;
      try {
        const updated = await sendFeedback(prediction.id, Number(select.value));
        hooks.onCorrected(updated);
      } catch (error) {
        hooks.onError(describeError(error));
      } finally {
        select.disabled = false;
      }
    });
    return select;
  };

  const renderRow = (prediction) => {
    const tr = document.createElement('tr');
    tr.dataset.id = prediction.id;
    const cells = [];
    for (let i = 0; i < 6; i += 1) cells.push(document.createElement('td'));
    const created = new Date(prediction.createdAt);
    const timeEl = document.createElement('time');
    timeEl.dateTime = prediction.createdAt;
    timeEl.textContent = created.toLocaleTimeString();
    timeEl.title = created.toLocaleString();
    cells[0].append(timeEl);
    const thumb = document.createElement('canvas');
    thumb.width = 28;
    thumb.height = 28;
    thumb.className = 'thumb';
    thumb.setAttribute('role', 'img');
    thumb.setAttribute('aria-label', `Input of the prediction of ${prediction.digit}`);
    drawModelInput(thumb, prediction.input);
    cells[1].append(thumb);
    cells[2].textContent = String(prediction.digit);
    cells[2].className = 'predicted';
    cells[3].textContent = formatPercent(prediction.confidence);
    cells[4].textContent = prediction.source;
    cells[4].className = 'optional';
    cells[5].append(renderCorrection(prediction));
    if (prediction.feedbackLabel !== null && prediction.feedbackLabel !== prediction.digit) tr.classList.add('corrected');
    tr.append(...cells);
    return tr;
  };

  const load = async () => {
    const page = cursors.length - 1;
    try {
      const result = await listPredictions(PAGE_SIZE, cursors[page]);
      tbody.replaceChildren(...result.items.map(renderRow));
      nextCursor = result.nextCursor;
      empty.hidden = result.items.length > 0 || page > 0;
      newer.disabled = page === 0;
      older.disabled = nextCursor === null;
      pageInfo.textContent = `Page ${page + 1}`;
    } catch (error) {
      hooks.onError(describeError(error));
    }
  };

  older.addEventListener('click', () => {
    if (nextCursor === null) return;
    cursors.push(nextCursor);
    void load();
  });
  newer.addEventListener('click', () => {
    if (cursors.length > 1) cursors.pop();
    void load();
  });

  return {
    /** Back to the newest page (after a new prediction). */
    showNewest() {
      cursors = [null];
      return load();
    },
    /** Re-reads the page on screen (after a correction made elsewhere). */
    refresh: load,
  };
}
