/**
 * Line plots as SVG with Vega-Lite (no canvas needed): used for the ablation curves in docs/.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { writeFileSync } from 'node:fs';

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

export async function linePlotSvg(
  path: string,
  title: string,
  xTitle: string,
  yTitle: string,
  series: Series[],
): Promise<void> {
  const values = series.flatMap((s) => s.points.map((p) => ({ run: s.name, x: p.x, y: p.y })));
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 520,
    height: 300,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle },
      y: { field: 'y', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: { field: 'run', type: 'nominal', title: null },
    },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  writeFileSync(path, await view.toSVG());
  view.finalize();
}
