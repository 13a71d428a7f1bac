// Faults a test asks for: the next request matching a method and a path gets an ARI error
// instead of being executed (failNext), each rule used once.

export interface InjectedFailure {
  status: number;
  message: string;
}

interface Rule {
  method: string;
  path: RegExp;
  failure: InjectedFailure;
}

export class InjectedFailures {
  private readonly rules: Rule[] = [];

  add(method: string, path: RegExp, failure: InjectedFailure): void {
    this.rules.push({ method: method.toUpperCase(), path, failure });
  }

  /** The first rule matching the request, removed; null when none matches. */
  take(method: string, path: string): InjectedFailure | null {
    const index = this.rules.findIndex((rule) => {
      rule.path.lastIndex = 0;
      return rule.method === method && rule.path.test(path);
    });
    if (index < 0) return null;
    const [rule] = this.rules.splice(index, 1);
    return rule!.failure;
  }
}
