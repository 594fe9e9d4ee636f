import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/**
 * The Pod Security "restricted" profile, in one place: every container of the system runs as a
 * non-root user, with a read-only root filesystem, no privilege escalation, no capabilities and
 * the runtime's default seccomp profile. The namespace enforces the same profile, so a pod that
 * forgets one of these is rejected by the API server instead of running loosely.
 */

/** Numeric user and group a workload runs as (numeric so `runAsNonRoot` can be verified). */
export interface RunAs {
  readonly userId: number;
  readonly groupId: number;
}

/**
 * Security context for cdk8s-plus containers. plus-27 can express neither seccomp nor
 * `drop: [ALL]` (its Capability enum has no ALL): `applyRestrictedPatches` adds both.
 */
export function restrictedContainerContext(runAs: RunAs): kplus.ContainerSecurityContextProps {
  return {
    user: runAs.userId,
    group: runAs.groupId,
    ensureNonRoot: true,
    privileged: false,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
  };
}

/** Pod-level security context for cdk8s-plus workloads; fsGroup makes volumes writable by the group. */
export function restrictedPodContext(runAs: RunAs): kplus.PodSecurityContextProps {
  return {
    user: runAs.userId,
    group: runAs.groupId,
    fsGroup: runAs.groupId,
    fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
    ensureNonRoot: true,
  };
}

/**
 * Completes the restricted profile on a cdk8s-plus workload (Deployment, Job) where plus-27
 * stops: `seccompProfile: RuntimeDefault` on the pod and `capabilities.drop: [ALL]` on every
 * container. Call it after the last container was added.
 */
export function applyRestrictedPatches(workload: kplus.Workload): void {
  const api = ApiObject.of(workload);
  api.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
  const dropAll = { drop: ['ALL'] };
  workload.initContainers.forEach((_container, index) => {
    api.addJsonPatch(JsonPatch.add(`/spec/template/spec/initContainers/${index}/securityContext/capabilities`, dropAll));
  });
  workload.containers.forEach((_container, index) => {
    api.addJsonPatch(JsonPatch.add(`/spec/template/spec/containers/${index}/securityContext/capabilities`, dropAll));
  });
}

/** Container security context for the L1 (`imports/k8s`) objects, same profile as above. */
export function restrictedL1ContainerContext(runAs: RunAs): kplus.k8s.SecurityContext {
  return {
    runAsUser: runAs.userId,
    runAsGroup: runAs.groupId,
    runAsNonRoot: true,
    privileged: false,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Pod security context for the L1 (`imports/k8s`) objects. */
export function restrictedL1PodContext(runAs: RunAs): kplus.k8s.PodSecurityContext {
  return {
    runAsUser: runAs.userId,
    runAsGroup: runAs.groupId,
    fsGroup: runAs.groupId,
    fsGroupChangePolicy: 'OnRootMismatch',
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
