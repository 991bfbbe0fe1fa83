// Pieces of the scripts benchmarks put into pages. Strings, not functions: tsx compiles bench files
// with esbuild's keepNames, whose `__name` helper does not exist in the page.

/**
 * Declares `find(root, name)`: the first element called `name` in `root` or in any shadow root
 * below it (fleetwire's elements live in shadow roots), or null.
 */
export const FIND_IN_SHADOWS_JS = `const find = (root, name) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.localName === name) return el;
      const inner = el.shadowRoot ? find(el.shadowRoot, name) : null;
      if (inner) return inner;
    }
    return null;
  };`;
