// Extensions in configuration (a widget's or the missed-call policy's operator, watched extensions,
// a CRM's user map) judged by the PBX's extension plan before the configuration is saved, so a
// setting that could never ring a phone of the PBX is refused when it is made, not at the first call.
import type { OperatorTarget } from '../../shared/jobs.js';
import { gateExtension, policyOf } from '../pbx-queue/number-gate.js';
import { numberProblem } from './number-problem.js';
import { notFound } from './problem.js';

type Stub = DurableObjectStub<import('../pbx-queue/pbx-queue.js').PbxQueue>;

export interface ExtensionAt {
  extension: string;
  field: string;
}

/** The extension of each operator target that has one, with its field. */
export const operatorExtensions = (targets: ReadonlyArray<[OperatorTarget, string]>): ExtensionAt[] =>
  targets.flatMap(([t, field]) => ('extension' in t ? [{ extension: t.extension, field: `${field}.extension` }] : []));

/** Throws the problem of the first refused extension; 404 for an unknown PBX. */
export async function assertExtensions(stub: Stub, list: ReadonlyArray<ExtensionAt>): Promise<void> {
  const settings = await stub.pbxSettings();
  if (settings === null) throw notFound('PBX');
  const policy = policyOf(settings);
  for (const { extension, field } of list) {
    const refused = gateExtension(policy, extension, field);
    if (refused !== undefined) throw numberProblem(refused);
  }
}
