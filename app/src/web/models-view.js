// The "Model versions" panel: which version serves (and the canary with its share), and each
// version's figures and the latest decision taken about it, as /api/models reports them.
import { describeError, getModel, listModels } from './api.js';
import { formatPercent } from './result-view.js';

/** Versions shown with their latest decision (one request each): the newest ones matter. */
export const MODELS_SHOWN = 8;

/** "99.2%", or "—" when there is no figure (a version trained without held-out corrections). */
export function formatAccuracy(value) {
  return typeof value === 'number' ? formatPercent(value) : '—';
}

/** "promoted: gates passed (4 Dec, 18:02)" from a decision, "—" for none. */
export function describeDecision(decision) {
  if (!decision) return '—';
  const at = new Date(decision.at).toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  return `${decision.kind}: ${decision.reason} (${at})`;
}

/** "active", "canary, 10% of predictions", or "". */
export function describeRole(models, version) {
  if (models.active === version) return 'active';
  if (models.canary && models.canary.version === version) return `canary, ${Math.round(models.canary.weight * 100)}% of predictions`;
  return '';
}

/**
 * @param {HTMLElement} root  the models section
 * @param {{ onError: (message: string) => void }} hooks
 */
export function createModelsView(root, hooks) {
  const tbody = root.querySelector('tbody');
  const summary = root.querySelector('#models-serving');
  const empty = root.querySelector('#models-empty');
  let loading = null;

  const renderRow = (models, card, detail) => {
    const tr = document.createElement('tr');
    tr.dataset.version = card.version;
    const role = describeRole(models, card.version);
    if (role !== '') tr.classList.add(role === 'active' ? 'serving-active' : 'serving-canary');
    const latest = detail && detail.decisions.length > 0 ? detail.decisions[0] : null;
    const texts = [
      card.version,
      role,
      formatAccuracy(card.mnistTestAccuracy),
      formatAccuracy(card.heldOutCorrectionAccuracy),
      String(card.data.corrections),
      describeDecision(latest),
    ];
    const cells = texts.map((text) => {
      const td = document.createElement('td');
      td.textContent = text;
      return td;
    });
    cells[0].className = 'version';
    cells[0].title = card.parent ? `fine-tuned from ${card.parent}` : 'trained from scratch';
    cells[4].className = 'optional';
    cells[5].className = 'decision';
    tr.append(...cells);
    return tr;
  };

  const load = async () => {
    try {
      const models = await listModels();
      const shown = models.versions.slice(0, MODELS_SHOWN);
      // A version whose details cannot be read still gets its row, without a decision.
      const details = await Promise.all(shown.map((card) => getModel(card.version).catch(() => null)));
      tbody.replaceChildren(...shown.map((card, i) => renderRow(models, card, details[i])));
      empty.hidden = shown.length > 0;
      const canary = models.canary ? `; canary ${models.canary.version} takes ${Math.round(models.canary.weight * 100)}% of predictions` : '';
      summary.textContent = models.active ? `Active: ${models.active}${canary}.` : 'No version is active yet.';
      return models;
    } catch (error) {
      hooks.onError(describeError(error));
      return null;
    }
  };

  return {
    /** Re-reads the versions; resolves to what /api/models said (null when it failed). */
    refresh() {
      loading ??= load().finally(() => {
        loading = null;
      });
      return loading;
    },
  };
}
