/**
 * Node has no `navigator.gpu`. The `webgpu` package (Dawn) provides one; on machines without a
 * GPU driver, Dawn's OpenGL ES backend on Mesa llvmpipe still runs every kernel (slowly), which
 * is how the webgpu code path is tested on CPU-only machines. EGL_PLATFORM=surfaceless is needed
 * there and is set if absent.
 */
interface DawnModule {
  create(flags: string[]): { requestAdapter(options: object): Promise<unknown>; wgslLanguageFeatures: unknown };
  globals: Record<string, unknown>;
}

/** Installs Dawn's `navigator.gpu` on Dawn's `dawnBackend` (e.g. vulkan; default opengles). */
export async function installDawnNavigator(dawnBackend?: string): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  process.env['EGL_PLATFORM'] ??= 'surfaceless';
  const dawn = (await import('webgpu')) as unknown as DawnModule;
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([`backend=${dawnBackend || 'opengles'}`]);
  const navigator = {
    gpu: {
      requestAdapter: (options: object = {}) => gpu.requestAdapter({ ...options, featureLevel: 'compatibility' }),
      getPreferredCanvasFormat: () => 'rgba8unorm',
      wgslLanguageFeatures: gpu.wgslLanguageFeatures,
    },
  };
  Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
}
