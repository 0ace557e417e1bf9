declare module 'virtual:report-info' {
  const info: { available: boolean; builtAt: string | null };
  export default info;
}
