/** Server timestamps: RFC 3339 with whole seconds, as Kubernetes writes them. */

let stampSecond = -1;
let stampText = '';

/** The current time, formatted once per second (writes ask for it several times each). */
export function nowTimestamp(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== stampSecond) {
    stampSecond = second;
    stampText = new Date(second * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  }
  return stampText;
}
