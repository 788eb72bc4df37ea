// Who the app is to the OS, in one place: electron-builder.yml's appId (test/unit/desktop/packaging.test.ts checks
// they agree). On Windows the installer's Start-menu shortcut carries it as the AppUserModelID, and a process
// that does not name itself the same shows no notifications (or shows them under another app's name).
export const APP_ID = 'ru.dispatch.phone';
export const PRODUCT_NAME = 'Dispatch Phone';
