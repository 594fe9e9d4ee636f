import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { RunAs } from './pod-security.js';

/**
 * The project's one container image (see the Dockerfile): entrypoint
 * `node dist/app/src/cli/index.js`, the command (`serve`, `bootstrap`, `replay`, `evaluate`) as
 * first argument, user `node` (1000:1000), the service on port 3000.
 */
export interface AppImageProps {
  /** Image reference. @default 'mnist-k8s:local' (what `make kind-up` builds and loads) */
  readonly image?: string;
  /**
   * Pull policy. IfNotPresent because kind nodes get the image by `kind load`, not from a
   * registry; on a real cluster pin a digest or a unique tag. @default IfNotPresent
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
}

export const DEFAULT_APP_IMAGE = 'mnist-k8s:local';

/** The app's CLI inside the image (the Dockerfile's ENTRYPOINT runs it with node). */
export const APP_CLI_PATH = 'dist/app/src/cli/index.js';

/** The `node` user of the official Node.js images. */
export const APP_USER: RunAs = { userId: 1000, groupId: 1000 };

/** Port `serve` listens on (PORT). */
export const APP_PORT = 3000;

/** Resolved image settings, defaults applied. */
export function resolveAppImage(props: AppImageProps): { image: string; imagePullPolicy: kplus.ImagePullPolicy } {
  return {
    image: props.image ?? DEFAULT_APP_IMAGE,
    imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT,
  };
}

/** A writable /tmp for a container whose root filesystem is read-only. */
export function mountWritableTmp(scope: Construct, container: kplus.Container, sizeMi = 64): void {
  const tmp = kplus.Volume.fromEmptyDir(scope, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(sizeMi) });
  container.mount('/tmp', tmp);
}

