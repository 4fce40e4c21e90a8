// Device/extension state actions (capture 14): ExtensionState, ExtensionStateList, DeviceStateList.
// Setvar/Getvar of DEVICE_STATE(…) without a Channel are routed here by channels.ts.
import type { ActionContext, Handler } from './context';

const DEVICE_STATE = /^DEVICE_STATE\((.*)\)$/i;

/** The device named by a `DEVICE_STATE(…)` variable, if the variable is one. */
export const deviceStateTarget = (name: string): string | undefined => DEVICE_STATE.exec(name)?.[1];

export function setDeviceState(c: ActionContext, device: string, value: string): void {
  if (!c.engine.devices.set(device, value)) return c.error('Variable not set');
  c.ok('Variable Set');
}

const extensionState: Handler = (c) => {
  c.respond('Success', [['Message', 'Extension Status'], ...c.engine.devices.extensionState(c.get('Exten') ?? '', c.get('Context') ?? '')]);
};

const extensionStateList: Handler = (c) =>
  c.list('Extension Statuses will follow', c.engine.devices.listItems().map((f) => ['ExtensionStatus', f]), 'ExtensionStateListComplete', true);

const deviceStateList: Handler = (c) =>
  c.list('Device State Changes will follow', c.engine.devices.deviceItems().map((f) => ['DeviceStateChange', f]), 'DeviceStateListComplete', true);

export const deviceStateActions: Record<string, Handler> = {
  extensionstate: extensionState, extensionstatelist: extensionStateList, devicestatelist: deviceStateList,
};
