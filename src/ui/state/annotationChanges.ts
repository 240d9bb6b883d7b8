import type { Annotation } from "../../core/schemas/index.js";

/**
 * Typed changes to the annotation list (xyflow-style): the canvas and inspector describe what
 * happened, one reducer applies it. Keeping this pure lets undo/redo snapshot whole lists.
 */
export type AnnotationChange =
  | { type: "add"; annotation: Annotation }
  | { type: "update"; id: string; patch: AnnotationPatch }
  | { type: "remove"; id: string };

/** Fields of one annotation kind that an edit may change (never its id or kind). */
export type AnnotationPatch = {
  [K in Annotation["kind"]]: Partial<Omit<Extract<Annotation, { kind: K }>, "id" | "kind">>;
}[Annotation["kind"]];

export function applyAnnotationChanges(annotations: readonly Annotation[], changes: readonly AnnotationChange[]): Annotation[] {
  let next = annotations.slice();
  for (const change of changes) {
    switch (change.type) {
      case "add":
        // Adding an id that already exists replaces it rather than duplicating it.
        next = next.some((a) => a.id === change.annotation.id)
          ? next.map((a) => (a.id === change.annotation.id ? change.annotation : a))
          : [...next, change.annotation];
        break;
      case "update":
        next = next.map((a) => (a.id === change.id ? ({ ...a, ...change.patch, id: a.id, kind: a.kind } as Annotation) : a));
        break;
      case "remove":
        next = next.filter((a) => a.id !== change.id);
        break;
    }
  }
  return next;
}
