/**
 * The labels the karting app keys on (contracts/karting.md §3, §6). A column is labelled by the
 * circuit's configured `cN` (unless blank or `Non utilisé`), else by its Apex `data-type`, else —
 * where `data-type` is empty — by its header text in whatever language the track uses, else `C<n>`.
 */

export const UNUSED_LABEL = 'Non utilisé';

export const DATA_TYPE_LABELS: Readonly<Record<string, string>> = {
  rk: 'Classement',
  no: 'Kart',
  dr: 'Equipe',
  llp: 'Dernier T.',
  blp: 'Meilleur T.',
  gap: 'Ecart',
  int: 'Intervalles',
  tlp: 'Tours',
  pit: 'Stands',
  otr: 'En Piste',
  s1: 'S1',
  s2: 'S2',
  s3: 'S3',
  sta: 'Statut',
  nat: 'Nation',
  class: 'Categorie',
  grp: 'Groupe',
};

/** Header texts (lower case, without dots) of columns some tracks send with an empty data-type. */
const HEADER_WORDS: [RegExp, string][] = [
  [
    /^(meilleur( t(our)?)?|best( lap)?|m vuelta|mejor vuelta|giro mig|miglior giro|bästa( varv)?|melhor volta|najlepšie kolo|best time)$/,
    'Meilleur T.',
  ],
  [
    /^(dernier( t(our)?)?|last( lap)?|ultima vuelta|ult vuelta|ultimo giro|sista( v(arv)?)?|última volta|posledné kolo)$/,
    'Dernier T.',
  ],
  [/^(p[eé]na(lit[eé]s?)?|penalt(y|ies)|penalizaci[oó]n|sanci[oó]n|pena(lit[aà])?|straff)$/, 'Penalites'],
  [/^(cat[eé]gorie|category|categor[ií]a|class|classe|klass|kategória)$/, 'Categorie'],
  [/^(stands|pit( stop)?s?|box|boxes|depo)$/, 'Stands'],
  [/^(tours|laps?|giri|voltas|varv|vueltas|kolá)$/, 'Tours'],
  [/^(ecart|gap|distacco|diferencia|diferença|avstånd|odstup)$/, 'Ecart'],
  [/^(clt|pos|position|rk|rank|posizione|posición|posição|plac|poradie)$/, 'Classement'],
  [/^(kart|no|num|number|numéro|n°)$/, 'Kart'],
  [/^(pilote|driver|name|nom|piloto|pilota|förare|jazdec)$/, 'Pilote'],
  [/^(equipe|équipe|team|equipo|squadra|lag|tím)$/, 'Equipe'],
  [/^(tempo|time|temps|tiempo|tid|čas)$/, 'Temps'],
];

export function labelFromHeaderText(text: string): string | null {
  const t = text.trim().toLowerCase().replace(/\./g, '').replace(/\s+/g, ' ');
  if (!t) return null;
  for (const [re, label] of HEADER_WORDS) if (re.test(t)) return label;
  return null;
}

/** The data-type a header stands for when the feed left it empty (so the model can use it). */
export function semanticFromLabel(label: string | null): string | null {
  switch (label) {
    case 'Meilleur T.':
      return 'blp';
    case 'Dernier T.':
      return 'llp';
    case 'Tours':
      return 'tlp';
    case 'Ecart':
      return 'gap';
    case 'Stands':
      return 'pit';
    case 'Classement':
      return 'rk';
    case 'Kart':
      return 'no';
    case 'Pilote':
    case 'Equipe':
      return 'dr';
    default:
      return null;
  }
}

export function isConfiguredLabel(label: string | null | undefined): label is string {
  return typeof label === 'string' && label.trim() !== '' && label !== UNUSED_LABEL;
}

export interface ColumnDef {
  /** Apex column number (`c<n>`). */
  n: number;
  /** `data-type` as sent ('' when empty). */
  type: string;
  /** Header text. */
  text: string;
}

/** The label of one column for the app. */
export function columnLabel(col: ColumnDef, configured?: Record<string, string | null | undefined>): string {
  const own = configured?.[`c${col.n}`];
  if (isConfiguredLabel(own)) return own;
  if (col.type === 'dr') {
    // A sprint's `dr` column holds the driver; an endurance one the team (drivers ride in `drteam`).
    const fromText = labelFromHeaderText(col.text);
    return fromText === 'Pilote' ? 'Pilote' : 'Equipe';
  }
  if (col.type && DATA_TYPE_LABELS[col.type]) return DATA_TYPE_LABELS[col.type]!;
  return labelFromHeaderText(col.text) ?? (col.text.trim() || `C${col.n}`);
}
