// Masks phone numbers and dial strings before they are logged at info level: numbers are personal
// data. Used wherever the relay logs a number (the missed-call module, the job runners).
// Invariant: at most the first 3 and last 2 digits of a number survive (`8999…67`).

const DIGIT_RUN = /\+?[0-9]{6,}/g;

/** `+79991234567` → `+799…67`; short values (extensions) are kept as they are. */
export function maskNumber(value: string): string {
  return value.replace(DIGIT_RUN, (run) => {
    const plus = run.startsWith('+') ? '+' : '';
    const digits = plus ? run.slice(1) : run;
    return `${plus}${digits.slice(0, 3)}…${digits.slice(-2)}`;
  });
}
