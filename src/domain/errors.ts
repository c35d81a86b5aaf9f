/**
 * Errors the domain throws for requests it cannot serve. Pure: no HTTP here; the one problem+json filter maps each
 * class to its status (RenderUnsupportedError → 409 RENDER_UNSUPPORTED).
 */

/** The rendering format cannot express this config (Terraform azurerm has no way to disable the proxy, ...). */
export class RenderUnsupportedError extends Error {
  override name = 'RenderUnsupportedError';
  readonly code = 'RENDER_UNSUPPORTED';
  constructor(
    readonly format: string,
    message: string,
  ) {
    super(message);
  }
}
