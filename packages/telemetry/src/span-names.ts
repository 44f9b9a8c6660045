/** Span names. A step is `orquesta.train.step` with one child per phase, on every rank. */
export const SPAN = {
  step: 'orquesta.train.step',
  data: 'orquesta.train.data',
  compute: 'orquesta.train.compute',
  idle: 'orquesta.train.idle',
  allReduce: 'orquesta.train.all_reduce',
  optimizer: 'orquesta.train.optimizer',
} as const;
