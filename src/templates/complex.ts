/** Go's complex128, which only template literals like `1i` or `1+2i` produce. */
import { formatFloat } from './fmt.js';
import { GoStruct, NO_FIELD } from './values.js';

export class GoComplex extends GoStruct {
  readonly goType = 'complex128';
  constructor(
    readonly re: number,
    readonly im: number,
  ) {
    super();
  }
  field(): typeof NO_FIELD {
    return NO_FIELD;
  }
  /** fmt's %v: `(1+2i)`, the imaginary part always signed. */
  formatV(): string {
    const im = formatFloat(this.im, 'g', -1);
    const sign = im.startsWith('-') || im.startsWith('+') ? '' : '+';
    return '(' + formatFloat(this.re, 'g', -1) + sign + im + 'i)';
  }
}
