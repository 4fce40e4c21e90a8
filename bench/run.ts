// `npm run bench`: every benchmark, each next to a baseline measured in the same run, printed as a
// table of ratios (these machines are shared and noisy; absolute numbers vary run to run).
import { benchAmiParse } from './ami-parse.js';
import { fmt } from './stats.js';

const TRANSCRIPTS = process.env.AMI_TRANSCRIPTS ?? '../shared/ami-transcripts';

async function main(): Promise<void> {
  const only = process.argv[2];
  const rows: string[] = [];
  if (only === undefined || only === 'parse') {
    const r = benchAmiParse(TRANSCRIPTS);
    rows.push(`| AMI parsing (AmiParser) | ${fmt(r.parserMsgsPerSec / 1000)} k msg/s | bare split on blank lines: ${fmt(r.baselineMsgsPerSec / 1000)} k msg/s | ${fmt(r.ratio, 2)}× |`);
  }
  process.stdout.write(['| benchmark | result | baseline (same run) | ratio |', '|---|---|---|---|', ...rows].join('\n') + '\n');
}

void main();
