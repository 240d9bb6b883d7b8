import { createContext, useContext } from "react";
import type { PanelController } from "./createPanelController.js";

/** The controller (clients, streams) of the panel instance; kept out of the data store. */
export const PanelControllerContext = createContext<PanelController | null>(null);

export function usePanelController(): PanelController {
  const controller = useContext(PanelControllerContext);
  if (!controller) throw new Error("usePanelController must be used inside <PanelControllerContext.Provider>.");
  return controller;
}
