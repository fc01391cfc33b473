import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import '@mantine/dropzone/styles.css';
import './styles.css';
import i18n from './i18n';

import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HashRouter } from 'react-router-dom';
import { api } from './api';
import { App } from './App';
import { AccountProvider } from './auth/account';
import { SessionProvider } from './auth/session';
import { theme } from './theme';

// The app routes inside the hash (#/reset?token=..) so one index.html serves
// every screen. A link that arrives as a plain path (/reset?token=.., when a
// server hands index.html to any path) is moved into the hash first.
function pathToHash() {
  const { pathname, search, hash } = window.location;
  if (hash && hash !== '#' && hash !== '#/') return;
  const m = pathname.match(/\/(signin|register|verify-email|verify-phone|forgot|reset|invite)\/?$/);
  if (!m || m.index === undefined) return;
  const base = pathname.slice(0, m.index + 1);
  window.history.replaceState(null, '', `${base}#/${m[1]}${search}`);
}
pathToHash();

// The desktop backend writes PDFs in the UI's language: tell it now and on
// every change (web requests carry it in a header instead).
const tellLanguage = (lang: string) => void api.setLanguage({ lang }).catch(() => undefined);
tellLanguage(i18n.resolvedLanguage ?? i18n.language);
i18n.on('languageChanged', () => tellLanguage(i18n.resolvedLanguage ?? i18n.language));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      <Notifications position="bottom-right" />
      <HashRouter>
        <SessionProvider>
          <AccountProvider>
            <App />
          </AccountProvider>
        </SessionProvider>
      </HashRouter>
    </MantineProvider>
  </StrictMode>,
);
