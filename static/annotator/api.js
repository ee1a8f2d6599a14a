// The REST API, as the workspace uses it: JSON in and out, session auth with the CSRF header.
// Errors become ApiError with a readable message built from DRF's {field: [messages]} body.

export class ApiError extends Error {
  constructor(status, body) {
    super(ApiError.describe(status, body));
    this.status = status;
    this.body = body;
  }

  static describe(status, body) {
    if (body && typeof body === "object") {
      const parts = [];
      const walk = (value, path) => {
        if (Array.isArray(value)) value.forEach((v) => (typeof v === "object" ? walk(v, path) : parts.push(path ? `${path}: ${v}` : String(v))));
        else if (value && typeof value === "object") Object.entries(value).forEach(([k, v]) => walk(v, k === "detail" || k === "non_field_errors" ? path : (path ? `${path}.${k}` : k)));
        else if (value !== undefined && value !== null) parts.push(path ? `${path}: ${value}` : String(value));
      };
      walk(body, "");
      if (parts.length) return parts.join(" · ");
    }
    if (status === 0) return "The server could not be reached.";
    return `The server answered ${status}.`;
  }
}

export function makeApi(csrf) {
  // `version`: the version of the resource the caller holds, sent as If-Match (a stale one answers 412 with the
  // current representation, which becomes ApiError.body).
  async function request(method, url, body, version) {
    let response;
    const headers = { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf };
    if (version !== undefined && version !== null) headers["If-Match"] = `W/"${version}"`;
    try {
      response = await fetch(url, {
        method,
        credentials: "same-origin",
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, null);
    }
    if (response.status === 204) return null;
    let data = null;
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("json")) data = await response.json();
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }
  return {
    get: (url) => request("GET", url),
    post: (url, body) => request("POST", url, body),
    patch: (url, body, version) => request("PATCH", url, body, version),
    del: (url, version) => request("DELETE", url, undefined, version),
  };
}
