/** Span names. A step is `orquesta.train.step` with one child per phase, on every rank. */
export const SPAN = {
  step: 'orquesta.train.step',
  data: 'orquesta.train.data',
  compute: 'orquesta.train.compute',
  idle: 'orquesta.train.idle',
  allReduce: 'orquesta.train.all_reduce',
  /** One gradient bucket's all-reduce, a child of all_reduce. */
  bucket: 'orquesta.train.all_reduce.bucket',
  optimizer: 'orquesta.train.optimizer',
} as const;
