import { createTheme } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif',
  headings: { fontWeight: '600' },
  components: {
    Button: { defaultProps: { size: 'md' } },
    // Only an open dropdown's options are in the page, so an option is found
    // (by people's tools and by tests) by its text alone.
    Select: { defaultProps: { comboboxProps: { keepMounted: false } } },
  },
});
