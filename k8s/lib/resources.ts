import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/**
 * Requests and limits of one container, with units in the names. Every container of the system
 * declares all four: requests so the scheduler places pods honestly (and the HPA has a CPU base
 * to compute utilisation from), limits so one noisy pod cannot starve a node.
 */
export interface ResourceBudget {
  readonly cpuRequestMillis: number;
  readonly cpuLimitMillis: number;
  readonly memoryRequestMi: number;
  readonly memoryLimitMi: number;
}

/** The budget as cdk8s-plus container resources. */
export function toPlusResources(budget: ResourceBudget): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(budget.cpuRequestMillis), limit: kplus.Cpu.millis(budget.cpuLimitMillis) },
    memory: { request: Size.mebibytes(budget.memoryRequestMi), limit: Size.mebibytes(budget.memoryLimitMi) },
  };
}

/** The budget as L1 (`imports/k8s`) resource requirements. */
export function toL1Resources(budget: ResourceBudget): kplus.k8s.ResourceRequirements {
  return {
    requests: {
      cpu: kplus.k8s.Quantity.fromString(`${budget.cpuRequestMillis}m`),
      memory: kplus.k8s.Quantity.fromString(`${budget.memoryRequestMi}Mi`),
    },
    limits: {
      cpu: kplus.k8s.Quantity.fromString(`${budget.cpuLimitMillis}m`),
      memory: kplus.k8s.Quantity.fromString(`${budget.memoryLimitMi}Mi`),
    },
  };
}
