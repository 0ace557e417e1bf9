// The markdown reference of docs/api/: typedoc-plugin-markdown's theme, with "Defined in" linking
// the source file without a line number, so the reference changes only when the API or its
// comments do, not whenever code above a declaration moves. A class or interface lists its own
// members only (and its constructor); inherited ones are documented once, on the base type,
// which also keeps Error's and tf.Optimizer's members out.
import { Converter, ReflectionKind } from 'typedoc';
import { MarkdownTheme, MarkdownThemeContext } from 'typedoc-plugin-markdown';

/** The class or interface a member belongs to, if any. */
function owner(model) {
  for (let parent = model.parent; parent; parent = parent.parent) {
    if (parent.kindOf?.(ReflectionKind.ClassOrInterface)) return parent;
  }
  return undefined;
}

class ApiThemeContext extends MarkdownThemeContext {
  constructor(theme, page, options) {
    super(theme, page, options);
    this.partials = {
      ...this.partials,
      // "Defined in: [file](url)", left out for a member defined in its class's file.
      sources: (model) => {
        const source = model.sources?.[0];
        if (!source || owner(model)?.sources?.[0]?.fileName === source.fileName) return '';
        const file = source.fileName.replace(/[_*[\]]/g, '\\$&');
        return `Defined in: ${source.url ? `[${file}](${source.url})` : file}`;
      },
    };
  }
}

class ApiTheme extends MarkdownTheme {
  getRenderContext(page) {
    return new ApiThemeContext(this, page, this.application.options);
  }
}

/** Removes the inherited members, but constructors, of every class and interface. */
function removeInherited(context) {
  const project = context.project;
  for (const type of project.getReflectionsByKind(ReflectionKind.ClassOrInterface)) {
    for (const member of [...(type.children ?? [])]) {
      if (member.inheritedFrom && !member.kindOf(ReflectionKind.Constructor))
        project.removeReflection(member);
    }
  }
}

/** Registers the theme as `madgrad-markdown`, and removes inherited members once resolved. */
export function load(app) {
  app.renderer.defineTheme('madgrad-markdown', ApiTheme);
  // After ImplementsPlugin marks inherited members (priority 0), before GroupPlugin groups them
  // (priority -100).
  app.converter.on(Converter.EVENT_RESOLVE_END, removeInherited, -50);
}
