/** The Devices view is the command panel's (views/devices/): devices, commands, config, credentials. */
export { DevicesView } from './devices/DevicesView';
