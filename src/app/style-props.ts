/**
 * `styleProps`: inline style values set through CSSOM (`element.style`), never as a `style`
 * attribute. The CSP has no `'unsafe-inline'` in `style-src`, which refuses style attributes;
 * Lit's own `styleMap` writes the attribute on the first render, so it cannot be used.
 *
 *   html`<div class="bar" style=${styleProps({ width: `${pct}%` })}></div>`
 *
 * Names are CSS property names (`width`, `inset-inline-start`, `--custom`); a null or undefined
 * value removes the property.
 */
import { noChange, type AttributePart } from 'lit';
import { Directive, PartType, directive, type PartInfo } from 'lit/directive.js';

/** Property names (CSS spelling) and their values. */
export type StyleProps = Readonly<Record<string, string | number | null | undefined>>;

class StylePropsDirective extends Directive {
  private _set = new Set<string>();

  constructor(partInfo: PartInfo) {
    super(partInfo);
    if (partInfo.type !== PartType.ATTRIBUTE || partInfo.name !== 'style' || (partInfo.strings?.length ?? 0) > 2) {
      throw new Error('styleProps must be the whole value of a `style` attribute binding.');
    }
  }

  render(_props: StyleProps): typeof noChange {
    return noChange;
  }

  override update(part: AttributePart, [props]: [StyleProps]): typeof noChange {
    const { style } = part.element as HTMLElement;
    for (const name of this._set) {
      if (props[name] == null) {
        style.removeProperty(name);
        this._set.delete(name);
      }
    }
    for (const [name, value] of Object.entries(props)) {
      if (value == null) continue;
      style.setProperty(name, String(value));
      this._set.add(name);
    }
    // Nothing for Lit to write: the attribute itself is never set.
    return noChange;
  }
}

/** Sets inline style properties with CSSOM; see the module comment. */
export const styleProps = directive(StylePropsDirective);
