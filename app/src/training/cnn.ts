import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE, NUM_CLASSES } from '../mnist/geometry.js';

/**
 * The network, and only the network (data, training and saving live elsewhere). The seed
 * architecture of the project: conv32 5x5 -> maxpool -> conv64 5x5 -> maxpool -> dropout .25
 * -> flatten -> dense 1024 relu -> dense 10 softmax, Keras default `valid` padding, so
 * 1,111,946 parameters. One addition, which adds no parameter: dropout after the dense layer
 * (it is the largest layer, ~94% of the weights, and the one that overfits first).
 */

export interface ModelOptions {
  /** Seeds the Glorot initialisers so two runs start from the same weights. */
  readonly seed: number;
  /** Dropout after the 1024-unit dense layer. @default 0.4 */
  readonly denseDropout?: number;
  /** Adam learning rate at the start. @default 0.001 */
  readonly learningRate?: number;
}

export const SEED_PARAMETER_COUNT = 1_111_946;
export const DEFAULT_DENSE_DROPOUT = 0.4;
export const DEFAULT_LEARNING_RATE = 0.001;

/** Builds and compiles the CNN (adam, categorical cross-entropy, accuracy). */
export function buildModel(options: ModelOptions): tf.Sequential {
  const init = (offset: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: options.seed + offset });
  const model = tf.sequential({ name: 'mnist_cnn' });
  model.add(
    tf.layers.conv2d({
      inputShape: [IMAGE_SIZE, IMAGE_SIZE, 1],
      filters: 32,
      kernelSize: 5,
      activation: 'relu',
      kernelInitializer: init(1),
      name: 'conv1',
    }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1' }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 5, activation: 'relu', kernelInitializer: init(2), name: 'conv2' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool2' }));
  // Dropout layers get no seed: TF.js would then reuse one mask for every batch.
  model.add(tf.layers.dropout({ rate: 0.25, name: 'dropout1' }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ units: 1024, activation: 'relu', kernelInitializer: init(3), name: 'dense1' }));
  const denseDropout = options.denseDropout ?? DEFAULT_DENSE_DROPOUT;
  if (denseDropout > 0) model.add(tf.layers.dropout({ rate: denseDropout, name: 'dropout2' }));
  model.add(tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax', kernelInitializer: init(4), name: 'output' }));
  model.compile({
    optimizer: tf.train.adam(options.learningRate ?? DEFAULT_LEARNING_RATE),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

/** One line per layer, for the model card: "conv1 Conv2D [24,24,32] 832". */
export function describeLayers(model: tf.LayersModel): string[] {
  return model.layers.map((layer) => {
    const shape = JSON.stringify(layer.outputShape).replace(/null,?/g, '');
    return `${layer.name} ${layer.getClassName()} ${shape} ${layer.countParams()}`;
  });
}
