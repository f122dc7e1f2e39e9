/** [Chinese, English]. `{name}` placeholders are filled by `translate`. */
export type Pair = readonly [zh: string, en: string];
