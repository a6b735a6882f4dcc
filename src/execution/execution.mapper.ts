/** The record → view mapping lives with the kernel's events; entity rows are records. */
export { toOrderView, toPositionView } from './domain/execution-events';
