declare module 'sloc' {
  interface SlocResult {
    total: number;
    source: number;
    comment: number;
    single: number;
    block: number;
    mixed: number;
    empty: number;
    todo: number;
    blockEmpty: number;
  }
  function sloc(code: string, extension: string): SlocResult;
  export default sloc;
}
