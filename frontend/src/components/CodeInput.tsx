import { TextInput, type TextInputProps } from '@mantine/core';

interface CodeInputProps extends Omit<TextInputProps, 'onChange' | 'value'> {
  value: string;
  onChange: (digits: string) => void;
  testid: string;
}

// CodeInput: a 6-digit one-time code. One plain input (not six boxes), so
// paste, autofill and automated typing all just work; non-digits are dropped.
// No maxLength: the browser would cut "123 456" to "123 45" before the
// space is dropped.
export function CodeInput({ value, onChange, testid, ...rest }: CodeInputProps) {
  return (
    <TextInput
      {...rest}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value.replace(/\D/g, '').slice(0, 6))}
      inputMode="numeric"
      autoComplete="one-time-code"
      data-testid={testid}
      classNames={{ input: 'gh-code-input' }}
    />
  );
}
