// Starts Swagger UI on this Worker's OpenAPI document. A separate file, not an inline
// script, so the page's Content-Security-Policy can forbid inline scripts.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
});
