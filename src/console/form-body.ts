// Bodies of the console's HTML forms (application/x-www-form-urlencoded, as
// the URL Standard defines it). Small by construction: a sign-in form is a few
// hundred bytes, so anything over the limit is refused (413) before parsing.
import type { FastifyInstance } from 'fastify';

export const FORM_BODY_LIMIT_BYTES = 8 * 1024;
export const FORM_MAX_FIELDS = 20;

/** The fields of a parsed form; a name sent twice keeps its first value. */
export class FormFields {
  private readonly fields = new Map<string, string>();

  static parse(text: string): FormFields {
    const form = new FormFields();
    let count = 0;
    for (const [name, value] of new URLSearchParams(text)) {
      count += 1;
      if (count > FORM_MAX_FIELDS) throw formError(`a form has at most ${FORM_MAX_FIELDS} fields`);
      if (!form.fields.has(name)) form.fields.set(name, value);
    }
    return form;
  }

  get(name: string): string | null {
    return this.fields.get(name) ?? null;
  }
}

function formError(message: string): Error {
  return Object.assign(new Error(message), { statusCode: 400 });
}

/** Registers the parser in `scope` only (the JSON APIs keep refusing forms with 415). */
export function registerFormParser(scope: FastifyInstance): void {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT_BYTES },
    (_request, body, done) => {
      try {
        done(null, FormFields.parse(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}

/** A field of a form body; null when the body is not a form or lacks the field. */
export function formField(body: unknown, name: string): string | null {
  return body instanceof FormFields ? body.get(name) : null;
}
