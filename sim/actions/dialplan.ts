// ShowDialPlan (main/pbx.c manager_show_dialplan, Asterisk 22.10.1; no capture): one ListDialplan
// event per priority of the simulated dialplan, `Did not find context X` for a context the PBX does
// not have, and ShowDialPlanComplete with the counts. The listing mirrors the contexts dialplan.ts runs.
// Invariant: a context is listed here exactly when dialplan.ts#extenExists knows it.
import type { Fields } from '../frame';
import type { Handler } from './context';

type Row = readonly [exten: string, app: string, data: string];

// Priorities are numbered in order per extension; the patterns are those of the PBX behind the captures.
const LISTING: Readonly<Record<string, readonly Row[]>> = {
  phones: [['_1XX', 'Ringing', ''], ['_1XX', 'Wait', '1'], ['_1XX', 'Answer', ''], ['200', 'Ringing', ''], ['300', 'Busy', ''], ['400', 'Congestion', ''], ['_8XXXXXXXXXX', 'Answer', '']],
  outbound: [['_X.', 'Dial', 'Local/${EXTEN}@phones,30'], ['_X.', 'Hangup', '']],
  'outbound-mapped': [['_X.', 'Dial', 'Local/${EXTEN}@phones,60'], ['_X.', 'Goto', 'ds-${DIALSTATUS},1']],
  conf: [['_X.', 'ConfBridge', '${EXTEN},default_bridge,default_user']],
  'from-internal': [['_[12]XX', 'Dial', 'Local/${EXTEN}@phones,60'], ['_+X.', 'Dial', 'Local/${EXTEN}@phones,60'], ['_*100X.', 'UserEvent', 'ConferenceAssembly,Group: ${EXTEN:4},Room: ${CALLERID(num)},Caller: ${CALLERID(num)}']],
  'from-trunk': [['support', 'Queue', 'support'], ['sales', 'Queue', 'sales,,,,30']],
};

const showDialPlan: Handler = (c) => {
  const want = (c.get('Context') ?? '').trim();
  if (want !== '' && LISTING[want] === undefined) return c.error(`Did not find context ${want}`);
  const contexts = want === '' ? Object.keys(LISTING) : [want];
  const items: Array<[string, Fields]> = [];
  let extensions = 0;
  for (const context of contexts) {
    const seen = new Map<string, number>();
    for (const [exten, app, data] of LISTING[context] ?? []) {
      const priority = (seen.get(exten) ?? 0) + 1;
      if (priority === 1) extensions++;
      seen.set(exten, priority);
      items.push(['ListDialplan', [['Context', context], ['Extension', exten], ['Priority', String(priority)], ['Application', app], ['AppData', data], ['Registrar', 'pbx_config']]]);
    }
  }
  c.list('DialPlan list will follow', items, 'ShowDialPlanComplete', true, [
    ['ListExtensions', String(extensions)], ['ListPriorities', String(items.length)], ['ListContexts', String(contexts.length)],
  ]);
};

export const dialplanActions: Record<string, Handler> = { showdialplan: showDialPlan };
