// Loaded before Redoc's bundle on /api/redoc/ only. The bundle hard-codes its vendor's logo from another origin
// ("API docs by Redocly" in the sidebar, no option turns it off); our CSP would block it anyway, but the page
// should not even try: an image source on another origin is dropped (set as an attribute or as the property),
// and the logo is hidden by api-docs.css.
const foreign = (value) => {
  const url = new URL(String(value), document.baseURI);
  return (url.protocol === "http:" || url.protocol === "https:") && url.origin !== location.origin;
};
const setAttribute = Element.prototype.setAttribute;
Element.prototype.setAttribute = function (name, value) {
  if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src" && foreign(value)) return;
  return setAttribute.call(this, name, value);
};
const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
Object.defineProperty(HTMLImageElement.prototype, "src", {
  ...src,
  set(value) {
    if (!foreign(value)) src.set.call(this, value);
  },
});
