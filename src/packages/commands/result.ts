/** What every package command returns: its output and exit code (the CLI prints and exits). */
export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** KUDO exits with 255 on any error (os.Exit(-1)). */
export const ERROR_EXIT = 255;

export const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', code: 0 });
export const fail = (message: string, stdout = ''): CommandResult => ({ stdout, stderr: `Error: ${message}\n`, code: ERROR_EXIT });
