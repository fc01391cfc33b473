import type { UseFormReturnType } from '@mantine/form';
import { useCallback, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { splitErrors, type SplitErrors } from '../api/errors';

// Rename maps the reasons' field names to the form's own paths.
type Rename = (fields: Record<string, string>) => Record<string, string>;

// useFieldErrors puts a backend error's field reasons on a form, and
// translates them again when the language changes while they show: the
// form holds them as text, which would otherwise stay in the old language.
// A reason the person has since cleared (by editing the field) stays gone.
export function useFieldErrors<T>(form: UseFormReturnType<T>) {
  const { t, i18n } = useTranslation();
  const formRef = useRef(form);
  formRef.current = form;
  const last = useRef<{ error: unknown; fields: readonly string[]; rename?: Rename } | null>(null);

  useEffect(() => {
    const retranslate = () => {
      if (!last.current) return;
      const { error, fields: names, rename } = last.current;
      const split = splitErrors(i18n.t, error, names).fields;
      const fields = rename ? rename(split) : split;
      const shown = formRef.current.errors;
      const next = { ...shown };
      for (const [name, text] of Object.entries(fields)) if (shown[name]) next[name] = text;
      formRef.current.setErrors(next);
    };
    i18n.on('languageChanged', retranslate);
    return () => i18n.off('languageChanged', retranslate);
  }, [i18n]);

  // show sets the reasons the form has fields for (renamed to the form's
  // own paths by rename, if given) and returns the split, whose general
  // part the caller shows (an ErrorAlert translates itself).
  return useCallback(
    (error: unknown, fields: readonly string[], rename?: Rename): SplitErrors => {
      last.current = { error, fields, rename };
      const split = splitErrors(t, error, fields);
      formRef.current.setErrors(rename ? rename(split.fields) : split.fields);
      return split;
    },
    [t],
  );
}
