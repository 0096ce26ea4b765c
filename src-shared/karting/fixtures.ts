/**
 * Marshal's own karting fixtures, modelled on what real Apex Timing and Orbits feeds do (none of
 * the recordings is copied): a grid whose position cell id sits inside nested markup, an empty
 * `data-type` best-lap column, team/driver alternation, stint times, foreign bytes, laps repeated
 * with the same time, and RMonitor's resets, renames and placeholders.
 */

export interface GridRow {
  id: string;
  pos: number;
  kart: string;
  team: string;
  last?: string;
  best?: string;
  gap?: string;
  laps?: string;
}

/** A header like many French tracks send: `rk` as c3, best lap with an empty data-type. */
export function apexGrid(rows: GridRow[], layout: 'a' | 'b' = 'a'): string {
  const head =
    layout === 'a'
      ? '<tr data-id="r0" class="head" data-pos="0"><td data-id="c1" data-type="grp"></td><td data-id="c2" data-type="sta"></td><td data-id="c3" data-type="rk">Clt</td><td data-id="c4" data-type="no">Kart</td><td data-id="c5" data-type="dr">Equipe</td><td data-id="c6" data-type="llp">Dernier T.</td><td data-id="c7" data-type="">M. Vuelta</td><td data-id="c8" data-type="gap">Ecart</td><td data-id="c9" data-type="tlp">Tours</td><td data-id="c10" data-type="pit">Stands</td></tr>'
      : '<tr data-id="r0" class="head" data-pos="0"><td data-id="c1" data-type="sta"></td><td data-id="c2" data-type="rk">Pos</td><td data-id="c3" data-type="no">Kart</td><td data-id="c4" data-type="dr">Team</td><td data-id="c5" data-type="blp">Best</td><td data-id="c6" data-type="llp">Last</td><td data-id="c7" data-type="gap">Gap</td><td data-id="c8" data-type="tlp">Laps</td></tr>';
  const body = rows
    .map((r) => {
      const id = r.id;
      return layout === 'a'
        ? `<tr data-id="r${id}" data-pos="${r.pos}"><td data-id="r${id}c1" class="gm"></td><td data-id="r${id}c2" class="sr"></td><td class="rk"><div><p data-id="r${id}c3" class="">${r.pos}</p></div></td><td class="no"><div data-id="r${id}c4" class="no1">${r.kart}</div></td><td data-id="r${id}c5" class="dr">${r.team}</td><td data-id="r${id}c6" class="tn">${r.last ?? ''}</td><td data-id="r${id}c7" class="in">${r.best ?? ''}</td><td data-id="r${id}c8" class="in">${r.gap ?? ''}</td><td data-id="r${id}c9" class="in">${r.laps ?? ''}</td><td data-id="r${id}c10" class="in">0</td></tr>`
        : `<tr data-id="r${id}" data-pos="${r.pos}"><td data-id="r${id}c1" class="sr"></td><td data-id="r${id}c2" class="rk">${r.pos}</td><td data-id="r${id}c3" class="no">${r.kart}</td><td data-id="r${id}c4" class="dr">${r.team}</td><td data-id="r${id}c5" class="in">${r.best ?? ''}</td><td data-id="r${id}c6" class="tn">${r.last ?? ''}</td><td data-id="r${id}c7" class="in">${r.gap ?? ''}</td><td data-id="r${id}c8" class="in">${r.laps ?? ''}</td></tr>`;
    })
    .join('');
  return `grid||<tbody>${head}${body}</tbody>`;
}

export function apexInit(
  type: 'r' | 'p' | 'q' | 'n',
  title: string,
  rows: GridRow[],
  layout: 'a' | 'b' = 'a',
): string {
  return [
    `init|${type}|`,
    'best|hide|',
    'css|no1|border-bottom-color:#FF8000 !important;',
    'title1||MARSHAL CUP',
    `title2||${title}`,
    'light|lr|',
    apexGrid(rows, layout),
    'dyn1|countdown|1800000',
    '',
  ].join('\n');
}

export const THREE_KARTS: GridRow[] = [
  {
    id: '5001',
    pos: 1,
    kart: '7',
    team: 'BLUE FALCONS',
    gap: 'Tour 3',
    laps: '3',
    best: '1:04.500',
    last: '1:04.900',
  },
  {
    id: '5002',
    pos: 2,
    kart: '12',
    team: 'LES TORTUES &amp; CO',
    gap: '0.512',
    laps: '3',
    best: '1:04.800',
    last: '1:05.000',
  },
  {
    id: '5003',
    pos: 3,
    kart: '31',
    team: 'NOCTURNE',
    gap: '1 Tour',
    laps: '2',
    best: '1:06.100',
    last: '1:07.000',
  },
];

/** Bytes a scanner or a TLS client sent the feed server, which relayed them to every client. */
export const FOREIGN_LINES = [
  'GET / HTTP/1.1',
  'Host: 203.0.113.7:8080',
  'User-Agent: Mozilla/5.0 zgrab/0.x',
  '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003',
  'MGLNDD_203.0.113.7_8080',
];
