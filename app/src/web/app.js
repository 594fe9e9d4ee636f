// Wires the page: drawing pad, upload, result panel, history. Plain ES modules, no build step.
import { describeError, getReadiness, predictImage, sendFeedback } from './api.js';
import { createDrawPad } from './draw-pad.js';
import { createHistoryView } from './history-view.js';
import { createModelsView } from './models-view.js';
import { createResultView } from './result-view.js';

const $ = (selector) => document.querySelector(selector);

const errorEl = $('#error');
const statusEl = $('#status');
const predictButton = $('#predict');
const uploadInput = $('#upload');

function showError(message) {
  errorEl.textContent = message;
  errorEl.hidden = false;
}

function clearMessages() {
  errorEl.hidden = true;
  errorEl.textContent = '';
  statusEl.textContent = '';
}

const result = createResultView($('#result'));
const history = createHistoryView($('#history-panel'), {
  onError: showError,
  onCorrected: (prediction) => {
    const shown = result.current();
    if (shown && shown.id === prediction.id) result.showCorrected(prediction);
    void history.refresh();
  },
});
const models = createModelsView($('#models-panel'), { onError: showError });
// Versions the panel shows as serving: an answer from another one means the serving state moved.
let servingVersions = new Set();
const refreshModels = () => models.refresh().then((shown) => {
  if (shown) servingVersions = new Set([shown.active, shown.canary && shown.canary.version]);
});
const pad = createDrawPad($('#pad'), { onChange: () => clearMessages() });

let busy = false;
/** Sends one image; the page shows the answer or says in words what went wrong. */
async function predict(blob, source, filename) {
  if (busy) return;
  busy = true;
  predictButton.disabled = true;
  $('#result').setAttribute('aria-busy', 'true');
  clearMessages();
  statusEl.textContent = 'Recognising…';
  try {
    const prediction = await predictImage(blob, source, filename);
    result.show(prediction);
    statusEl.textContent = `Predicted ${prediction.digit}.`;
    if (!servingVersions.has(prediction.modelVersion)) void refreshModels();
    await history.showNewest();
  } catch (error) {
    statusEl.textContent = '';
    showError(describeError(error));
  } finally {
    busy = false;
    predictButton.disabled = false;
    $('#result').removeAttribute('aria-busy');
  }
}

async function predictDrawing() {
  if (!pad.hasInk()) {
    showError('Draw a digit first: the drawing area is empty.');
    return;
  }
  await predict(await pad.toBlob(), 'canvas', 'drawing.png');
}

predictButton.addEventListener('click', () => void predictDrawing());
$('#clear').addEventListener('click', () => {
  pad.clear();
  clearMessages();
});
$('#pad').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    void predictDrawing();
  } else if (event.key === 'Escape' || event.key === 'Delete' || event.key === 'Backspace') {
    event.preventDefault();
    pad.clear();
    clearMessages();
  }
});

$('#upload-button').addEventListener('click', () => uploadInput.click());
uploadInput.addEventListener('change', () => {
  const file = uploadInput.files && uploadInput.files[0];
  if (!file) return;
  void predict(file, 'upload', file.name).finally(() => {
    // Choosing the same file again must trigger another upload.
    uploadInput.value = '';
  });
});

$('#correct-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const shown = result.current();
  const value = $('#correct-label').value;
  if (!shown || value === '') return;
  try {
    const updated = await sendFeedback(shown.id, Number(value));
    result.showCorrected(updated);
    await history.refresh();
  } catch (error) {
    showError(describeError(error));
  }
});

getReadiness().then((ready) => {
  const info = $('#model-info');
  if (!ready || !ready.classifier) {
    info.textContent = 'The service is not reachable right now.';
    return;
  }
  const state = ready.ready ? '' : ' (not ready: predictions may fail)';
  const canary = ready.serving && ready.serving.canary ? ` (canary ${ready.serving.canary.version})` : '';
  info.textContent = `Model ${ready.classifier.modelVersion}${canary} on ${ready.classifier.backend}, ${ready.store.kind} store${state}`;
});
void history.showNewest();
void refreshModels();
