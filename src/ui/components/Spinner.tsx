/** A small busy indicator; hidden from assistive tech so it never changes a button's name. */
export function Spinner() {
  return <span className="spinner" aria-hidden="true" />;
}
