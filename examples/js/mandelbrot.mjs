// The Mandelbrot set as an image: each partition renders one tile; collect() assembles the tiles
// into {image: {width, height, pixels}} (pixels are 0xRRGGBB, row by row), which the API serves as
// a PNG at GET /api/jobs/{id}/result.png. Params: width, height, tile (pixels per tile side),
// iterations, and the view: centerX, centerY, scale (the width of the view in the complex plane).

function settings(params) {
  return {
    width: params.width ?? 600,
    height: params.height ?? 400,
    tile: params.tile ?? 50,
    iterations: params.iterations ?? 500,
    centerX: params.centerX ?? -0.6,
    centerY: params.centerY ?? 0,
    scale: params.scale ?? 3.2,
  };
}

export function prepare(params) {
  const s = settings(params);
  return { count: Math.ceil(s.width / s.tile) * Math.ceil(s.height / s.tile) };
}

function colour(n, max) {
  if (n >= max) return 0x000000; // inside the set
  const t = n / max;
  const r = Math.round(9 * (1 - t) * t * t * t * 255);
  const g = Math.round(15 * (1 - t) * (1 - t) * t * t * 255);
  const b = Math.round(8.5 * (1 - t) * (1 - t) * (1 - t) * t * 255);
  return (r << 16) | (g << 8) | b;
}

export function compute(partition, ctx) {
  const s = settings(ctx.params);
  const across = Math.ceil(s.width / s.tile);
  const x0 = (partition % across) * s.tile;
  const y0 = Math.floor(partition / across) * s.tile;
  const w = Math.min(s.tile, s.width - x0);
  const h = Math.min(s.tile, s.height - y0);
  const step = s.scale / s.width;
  const pixels = new Array(w * h);
  for (let y = 0; y < h; y++) {
    const ci = s.centerY + (y0 + y - s.height / 2) * step;
    for (let x = 0; x < w; x++) {
      const cr = s.centerX + (x0 + x - s.width / 2) * step;
      let zr = 0, zi = 0, n = 0;
      while (n < s.iterations && zr * zr + zi * zi <= 4) {
        const t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        n++;
      }
      pixels[y * w + x] = colour(n, s.iterations);
    }
  }
  return { x0, y0, w, h, pixels };
}

export function collect(tiles, params) {
  const s = settings(params);
  const pixels = new Array(s.width * s.height).fill(0);
  for (const t of tiles) {
    for (let y = 0; y < t.h; y++) {
      for (let x = 0; x < t.w; x++) {
        pixels[(t.y0 + y) * s.width + t.x0 + x] = t.pixels[y * t.w + x];
      }
    }
  }
  return { image: { width: s.width, height: s.height, pixels } };
}
